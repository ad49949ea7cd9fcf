// Public exports of src/data (filled in as the concept lands).
export {};
