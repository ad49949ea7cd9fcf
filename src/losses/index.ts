// Public exports of src/losses (filled in as the concept lands).
export {};
