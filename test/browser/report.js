// What the browser pages share: the relative error they check, and how they report to the test.

/** The largest difference between `actual` and `expected`, relative to the largest |expected| (at least 1). */
export function worst(actual, expected) {
  let err = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    err = Math.max(err, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return err / scale;
}

/** Runs `run` and POSTs its report, or the error it threw, to /result (test/browser.test.ts waits for it). */
export async function postReport(run) {
  let body;
  try {
    body = { ok: true, report: await run() };
  } catch (e) {
    body = { ok: false, error: String(e?.stack ?? e) };
  }
  await fetch('/result', { method: 'POST', body: JSON.stringify(body) });
}
