/** Exit codes shared by every command. */
export const EXIT_OK = 0;
/** The command ran and found problems (unreachable backend, capture not possible, failed checks...). */
export const EXIT_PROBLEMS = 1;
/** Bad usage or bad configuration: nothing was attempted. */
export const EXIT_USAGE = 2;
