export { CHROMIUM_PATH, chromiumSkipReason, launchChromium, type Chromium } from "./chromium.js";
export { startServe, type ServeProcess } from "./serve-process.js";
export { screenshotOnFailure, SCREENSHOT_DIR } from "./screenshots.js";
