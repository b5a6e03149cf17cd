/**
 * A port where connections are refused: nothing listens on 2 here, no test binds it (below 1024), and fetch does not
 * block it (its "bad ports" list has 1, 7, 9…). A port taken with listen(0) and closed again is not safe: the OS hands
 * it to the next listen(0) of a test running alongside, and the "dead" upstream then answers (seen in CI: a 200 where
 * a 502 was expected).
 */
export const REFUSED_PORT = 2;
