/** The moment this build (or dev server) started: ages on pages are measured from it. */
export const buildTime = new Date();
