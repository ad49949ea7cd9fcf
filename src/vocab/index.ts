// Public exports of src/vocab (filled in as the concept lands).
export {};
