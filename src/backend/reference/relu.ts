export function relu(input: Float32Array, output: Float32Array): void {
  for (let i = 0; i < input.length; i++) {
    const x = input[i];
    // NaN stays NaN, as in PyTorch; `x > 0 ? x : 0` would turn it into 0.
    output[i] = x < 0 ? 0 : x;
  }
}

/** As torch's `threshold_backward(grad, output, 0)`: the gradient passes where the output is > 0 (and where it is NaN). */
export function reluGrad(output: Float32Array, gradOutput: Float32Array, gradInput: Float32Array): void {
  for (let i = 0; i < output.length; i++) gradInput[i] = output[i] <= 0 ? 0 : gradOutput[i];
}
