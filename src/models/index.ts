// Public exports of src/models (filled in as the concept lands).
export {};
