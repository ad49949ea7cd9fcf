// Public exports of src/eval (filled in as the concept lands).
export {};
