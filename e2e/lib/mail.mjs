// Reads the mails gojoser's file backend writes (GOJOSER_EMAIL_BACKEND=file): one RFC 822 .eml file per
// mail, delivered by a background worker, so callers poll.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** Parses one .eml file: the headers we need and the decoded text/plain and text/html parts. */
export function parseMail(raw) {
  const { headers, body } = splitHeaders(raw);
  const mail = { to: headers.to ?? "", subject: decodeWords(headers.subject ?? ""), text: "", html: "" };
  collectParts(headers, body, mail);
  return mail;
}

function splitHeaders(raw) {
  const normal = raw.replace(/\r\n/g, "\n");
  const end = normal.indexOf("\n\n");
  const head = end < 0 ? normal : normal.slice(0, end);
  const body = end < 0 ? "" : normal.slice(end + 2);
  const headers = {};
  for (const line of head.replace(/\n[ \t]+/g, " ").split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function collectParts(headers, body, mail) {
  const type = headers["content-type"] ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith("--")) break; // the closing delimiter
      const part = splitHeaders(chunk.replace(/^\n/, ""));
      collectParts(part.headers, part.body, mail);
    }
    return;
  }
  const decoded = decodeBody(body, headers["content-transfer-encoding"] ?? "");
  if (/^text\/html/i.test(type)) mail.html += decoded;
  else if (/^text\/plain/i.test(type)) mail.text += decoded;
}

function decodeBody(body, encoding) {
  switch (encoding.toLowerCase()) {
    case "quoted-printable":
      return Buffer.from(
        body.replace(/=\n/g, "").replace(/=([0-9A-Fa-f]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))),
        "latin1",
      ).toString("utf8");
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    default:
      return body;
  }
}

/** Decodes RFC 2047 encoded words (=?UTF-8?q?...?= and =?UTF-8?b?...?=). */
function decodeWords(value) {
  return value.replace(/=\?([^?]+)\?([bqBQ])\?([^?]*)\?=/g, (_, _charset, enc, text) =>
    enc.toLowerCase() === "b"
      ? Buffer.from(text, "base64").toString("utf8")
      : Buffer.from(
          text.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_m, h) => String.fromCharCode(parseInt(h, 16))),
          "latin1",
        ).toString("utf8"),
  );
}

/** The full link to a frontend route in a mail's text, such as http://127.0.0.1:1234/#/activate/MQ/abc. */
export function findLink(mail, route) {
  const re = new RegExp(`https?://[^\\s"'<>]+/#/${route}/[^\\s"'<>]+`);
  return re.exec(mail.text)?.[0] ?? re.exec(mail.html)?.[0] ?? null;
}

export class Mailbox {
  constructor(dir) {
    this.dir = dir;
    /** Files already handed out: each mail is returned once. */
    this.taken = new Set();
  }

  async all() {
    let names;
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if (err.code === "ENOENT") return [];
      throw err;
    }
    const mails = [];
    for (const name of names.filter((n) => n.endsWith(".eml")).sort()) {
      mails.push({ file: name, ...parseMail(await readFile(join(this.dir, name), "utf8")) });
    }
    return mails;
  }

  /**
   * Waits for the first mail not yet taken that is addressed to `to` and links to `route` (such as
   * "activate" or "password/reset/confirm"); returns it with its `link`.
   */
  async waitForLink({ to, route, timeoutMs = 20_000 }) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const mail of await this.all()) {
        if (this.taken.has(mail.file) || !mail.to.toLowerCase().includes(to.toLowerCase())) continue;
        const link = findLink(mail, route);
        if (link) {
          this.taken.add(mail.file);
          return { ...mail, link };
        }
      }
      if (Date.now() > deadline) {
        const seen = (await this.all()).map((m) => `${m.file}: to ${m.to}, "${m.subject}"`).join("\n  ");
        throw new Error(`no mail to ${to} with a #/${route}/ link within ${timeoutMs} ms; mails:\n  ${seen || "(none)"}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
