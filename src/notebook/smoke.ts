// Smoke mode: notebooks read HDLM_SMOKE=1 (set by `npm test`) to run tiny configs that finish in
// seconds; `npm start` runs them at full size.

/** True when HDLM_SMOKE is 1/true/yes (case-insensitive): run tiny configs. */
export function isSmokeMode(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.HDLM_SMOKE ?? "").trim().toLowerCase();
  if (v === "" || v === "0" || v === "false" || v === "no") return false;
  if (v === "1" || v === "true" || v === "yes") return true;
  throw new Error(`HDLM_SMOKE=${env.HDLM_SMOKE} is not understood; use 1 (tiny configs) or 0 (full size)`);
}

/** The smoke value in smoke mode, else the full one: `const steps = bySmoke({ smoke: 5, full: 2000 })`. */
export function bySmoke<T>(choice: { smoke: T; full: T }, env: NodeJS.ProcessEnv = process.env): T {
  return isSmokeMode(env) ? choice.smoke : choice.full;
}
