export function relu(input: Float32Array, output: Float32Array): void {
  for (let i = 0; i < input.length; i++) {
    const x = input[i];
    // NaN stays NaN, as in PyTorch; `x > 0 ? x : 0` would turn it into 0.
    output[i] = x < 0 ? 0 : x;
  }
}
