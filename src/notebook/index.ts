// Public exports of src/notebook (filled in as the concept lands).
export {};
