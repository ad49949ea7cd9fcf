// Public exports of src/processes (filled in as the concept lands).
export {};
