// Tests for live outputs: the first show is display_data, later ones update the same display id;
// LiveProgress throttles redraws by its clock but always draws the last step and done().
import { test } from "node:test";
import assert from "node:assert/strict";
import { DisplayOptions, MimeBundle, setDisplaySink } from "../../src/notebook/display";
import { LiveDisplay, LiveProgress, sparkline } from "../../src/notebook/progress";
import { bySmoke, isSmokeMode } from "../../src/notebook/smoke";

function capture(): { calls: { bundle: MimeBundle; options: DisplayOptions }[]; restore: () => void } {
  const calls: { bundle: MimeBundle; options: DisplayOptions }[] = [];
  const prev = setDisplaySink((bundle, options) => calls.push({ bundle, options }));
  return { calls, restore: () => setDisplaySink(prev) };
}

test("LiveDisplay: display then updates with one display id", () => {
  const c = capture();
  try {
    const d = new LiveDisplay();
    d.show({ "text/plain": "a" });
    d.show({ "text/plain": "b" });
    assert.deepEqual(c.calls.map((x) => x.options.update), [false, true]);
    assert.equal(c.calls[0].options.displayId, d.displayId);
    assert.equal(c.calls[1].options.displayId, d.displayId);
  } finally {
    c.restore();
  }
});

test("LiveProgress throttles by its clock, keeps history, draws the end and done()", () => {
  const c = capture();
  try {
    let now = 0;
    const p = new LiveProgress({ total: 10, label: "train", minIntervalMs: 100, now: () => now });
    for (let step = 1; step <= 10; step++) {
      now += 30;
      p.update(step, { loss: 10 - step });
    }
    // Draws at t=30 (first), 150, 270 and the last step (t=300): 4.
    assert.equal(p.draws, 4);
    assert.equal(p.series("loss").length, 10);
    const last = c.calls[c.calls.length - 1].bundle["text/plain"] as string;
    assert.match(last, /^train \[#{30}\] 10\/10 100%  loss=0$/);
    p.done();
    assert.equal(p.draws, 5);
    assert.match(c.calls[c.calls.length - 1].bundle["text/plain"] as string, /done/);
    assert.ok((c.calls[c.calls.length - 1].bundle["text/html"] as string).includes("<polyline"));
    assert.ok(c.calls.slice(1).every((x) => x.options.update === true));
    assert.throws(() => p.update(3), /is done/);
  } finally {
    c.restore();
  }
});

test("LiveProgress validates its arguments", () => {
  assert.throws(() => new LiveProgress({ total: 0 }), /total must be a positive integer, got 0/);
  const p = new LiveProgress({ total: 5, now: () => 0 });
  const c = capture();
  try {
    assert.throws(() => p.update(6), /step must be in 0\.\.5, got 6/);
  } finally {
    c.restore();
  }
});

test("sparkline maps min..max onto the height and needs two points", () => {
  assert.equal(sparkline([1]), "");
  const svg = sparkline([0, 1], 100, 20);
  assert.ok(svg.includes('points="0.0,18.0 100.0,2.0"'));
});

test("isSmokeMode / bySmoke read HDLM_SMOKE", () => {
  assert.equal(isSmokeMode({}), false);
  assert.equal(isSmokeMode({ HDLM_SMOKE: "1" }), true);
  assert.equal(isSmokeMode({ HDLM_SMOKE: "0" }), false);
  assert.equal(bySmoke({ smoke: 2, full: 200 }, { HDLM_SMOKE: "yes" }), 2);
  assert.equal(bySmoke({ smoke: 2, full: 200 }, {}), 200);
  assert.throws(() => isSmokeMode({ HDLM_SMOKE: "tiny" }), /HDLM_SMOKE=tiny is not understood/);
});
