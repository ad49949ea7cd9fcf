// Public exports of src/plot (filled in as the concept lands).
export {};
