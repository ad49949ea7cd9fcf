// Public exports of src/samplers (filled in as the concept lands).
export {};
