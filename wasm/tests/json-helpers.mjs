// Helpers the Node tests share (not a test file itself).

/** serde_json's pretty output made compact: whitespace outside strings removed, nothing else
 *  touched (numbers keep their exact text). */
export function compact(pretty) {
  let out = "";
  let inString = false;
  let escaped = false;
  for (const ch of pretty) {
    if (inString) {
      out += ch;
      if (escaped) escaped = false;
      else if (ch === "\\") escaped = true;
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (!" \n\r\t".includes(ch)) {
      out += ch;
    }
  }
  return out;
}
