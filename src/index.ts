// hdlm-lab: the public entry point that notebooks and users import.
export * from "./engine";
export * from "./schedules";
export * from "./vocab";
export * from "./processes";
export * from "./losses";
export * from "./samplers";
export * from "./data";
export * from "./models";
export * from "./train";
export * from "./eval";
export * from "./plot";
export * from "./notebook";
export * from "./experiments";
export * from "./tasks";
export * from "./temporal";
export * from "./rl";
export * from "./decoding";
