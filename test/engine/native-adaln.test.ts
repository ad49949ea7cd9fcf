// The fused adaLN ops of the DiT blocks (modulate, gatedResidual): on native (one C++ pass each way) they equal the
// composite tfjs ops on the pure-JS cpu backend, values and all gradients.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf } from "../../src/engine";
import { modulate, gatedResidual } from "../../src/engine/native/fused";
import { SeededRng, compare, setupNative, skipNative, uniform } from "./native-helpers";

const opts = { skip: skipNative };

test("modulate and gatedResidual: values and gradients match the cpu composite", opts, async () => {
  await setupNative();
  const rng = new SeededRng(61);
  for (const [b, t, d] of [[1, 1, 1], [2, 5, 7], [8, 128, 64]]) {
    const xv = uniform(rng, b * t * d, -2, 2), hv = uniform(rng, b * t * d, -2, 2);
    const [s1, s2, g] = [uniform(rng, b * d), uniform(rng, b * d), uniform(rng, b * d)];
    const wv = uniform(rng, b * t * d);
    const err = await compare(() => {
      const w = tf.tensor3d(wv, [b, t, d]);
      const args = [tf.tensor3d(xv, [b, t, d]), tf.tensor3d(s1, [b, 1, d]), tf.tensor3d(s2, [b, 1, d]), tf.tensor3d(hv, [b, t, d]), tf.tensor3d(g, [b, 1, d])];
      const f = (x: tf.Tensor, sh: tf.Tensor, sc: tf.Tensor, h: tf.Tensor, gate: tf.Tensor): tf.Scalar =>
        tf.sum(tf.mul(gatedResidual(modulate(x as tf.Tensor3D, sh, sc), h as tf.Tensor3D, gate), w));
      return [modulate(args[0] as tf.Tensor3D, args[1], args[2]), gatedResidual(args[0] as tf.Tensor3D, args[3] as tf.Tensor3D, args[4]), ...tf.grads(f)(args)];
    });
    assert.ok(err <= 1e-5, `[${b}, ${t}, ${d}]: rel err ${err}`);
  }
  assert.throws(() => modulate(tf.ones([2, 3, 4]) as tf.Tensor3D, tf.ones([2, 1, 4]), tf.ones([2, 1, 5])), /modulate: scale must be \[2, 1, 4\]/);
  assert.throws(() => gatedResidual(tf.ones([2, 3, 4]) as tf.Tensor3D, tf.ones([2, 3, 5]) as tf.Tensor3D, tf.ones([2, 1, 4])), /gatedResidual: h must have the shape of x/);
});
