// Noise schedules: one small object per schedule behind the Schedule interface.
export * from "./schedule";
