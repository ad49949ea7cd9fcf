// Public exports of src/train (filled in as the concept lands).
export {};
