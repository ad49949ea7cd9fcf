// Public exports of src/tasks: the synthetic tasks with exact checkers of temporal.md §6 (arithmetic, Countdown-3),
// their character vocabulary, disjoint train/test splits and task files.
export { fullText } from "./task";
export type { Task, TaskAnswer } from "./task";
export { CharVocab, TASK_CHARS } from "./char-vocab";
export { charRoleClusters, CHAR_CLUSTER_NAMES } from "./char-clusters";
export { evaluateExpression, expressionIntegers, EXPRESSION_CHARS } from "./expression";
export { arithmeticTask, makeArithmeticTask, generateArithmetic, parseArithmeticAnswer, arithmeticValue, ARITHMETIC_OPS, ARITHMETIC_MAX_OPERAND } from "./arithmetic";
export type { ArithmeticProblem, ArithmeticOp } from "./arithmetic";
export { countdownTask, generateCountdown, countdownPrompt, parseCountdownAnswer, checkCountdown, COUNTDOWN_TOLERANCE } from "./countdown";
export type { CountdownProblem, CountdownOptions, CountdownVerdict } from "./countdown";
export { makeTaskSplits } from "./splits";
export type { SplitOptions, TaskSplits } from "./splits";
export { parseTaskFile, loadTaskFile, saveTaskFile, TaskFileError, TASK_FILE_TASKS } from "./task-file";
export type { TaskFile } from "./task-file";
