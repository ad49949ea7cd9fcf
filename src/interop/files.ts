// Whole-file reads past Node's 2 GiB fs.readFileSync limit (a Lightning .ckpt of a 170M-parameter model with its
// EMA and Adam moments is about 2.7 GB), up to the 4 GiB a Node 20 Buffer can hold.
import * as fs from "fs";
import { constants } from "buffer";

const CHUNK = 1 << 30;

/** The bytes of `file`; a one-line error naming it when it is larger than one Buffer can hold. */
export function readWholeFile(file: string): Buffer {
  const size = fs.statSync(file).size;
  if (size > constants.MAX_LENGTH) {
    throw new Error(`${file}: ${size} bytes is more than this Node can hold in memory (${constants.MAX_LENGTH}); save the weights alone (a .safetensors file, or torch.save of the state_dict)`);
  }
  const out = Buffer.allocUnsafe(size);
  const fd = fs.openSync(file, "r");
  try {
    let pos = 0;
    while (pos < size) {
      const n = fs.readSync(fd, out, pos, Math.min(CHUNK, size - pos), pos);
      if (n === 0) throw new Error(`${file}: the file shrank while it was read (${pos} of ${size} bytes)`);
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}
