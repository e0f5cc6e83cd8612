// Entry of the editor bundle: `window.ckgEditor` = {mount, get, mountAll, errorPosition,
// ready}. Every textarea[data-ckg-editor] is upgraded once the page has loaded; `ready`
// resolves to their handles when their prefix and term lists have arrived.
import { mount, get, mountAll, errorPosition } from "./editor.js";

export { mount, get, mountAll, errorPosition };

export const ready =
  typeof document === "undefined"
    ? Promise.resolve([])
    : new Promise((resolve) => {
        const start = () =>
          mountAll().then(resolve, (error) => {
            console.error(`ckgEditor: ${error.message}`);
            resolve([]);
          });
        if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
        else start();
      });
