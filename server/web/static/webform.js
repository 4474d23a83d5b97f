// Runs a form with ODK Web Forms (from node_modules, served by Baobab; see server/web/webforms.py)
// on the pages that need it: a preview, a new submission, an edit, a public link. The page
// gives everything in data-* attributes of #web-form; what is sent goes to data-submit, one
// multipart post per part when Web Forms splits a large submission.
import { createApp, h } from "vue";
import { OdkWebForm, POST_SUBMIT__NEW_INSTANCE, webFormsPlugin } from "/static/web-forms/index.js";

// No image from another site: Web Forms draws the map of a location question (and of every
// location while editing) on OpenStreetMap's tiles, which would tell a third party where a
// returnee is and from which office. The map is drawn on a blank background instead, without a
// request the page's Content-Security-Policy would have to refuse (server/web/webforms.py).
const BLANK = "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==";
const imageSource = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
Object.defineProperty(HTMLImageElement.prototype, "src", {
  ...imageSource,
  set(value) {
    const url = new URL(String(value), window.location.href);
    const ours = url.origin === window.location.origin || ["data:", "blob:"].includes(url.protocol);
    imageSource.set.call(this, ours ? value : BLANK);
  },
});

const host = document.getElementById("web-form");
const options = host.dataset;
const status = document.getElementById("web-form-status");
const DEVICE_ID_KEY = "odk-deviceid"; // where Web Forms keeps the device id (trackDevice)
const usedKey = options.once ? `baobab-link-used-${options.once}` : "";

function say(text, kind, link) {
  status.hidden = false;
  status.className = kind;
  status.textContent = text;
  if (link) {
    const anchor = document.createElement("a");
    anchor.href = link;
    anchor.textContent = options.messageView;
    status.append(" ", anchor);
  }
  status.scrollIntoView({ block: "nearest" });
}

// jr://images/logo.png, jr://file-csv/returnees.csv: the form's media file of that name.
function fetchFormAttachment(url) {
  const name = decodeURIComponent(String(url.href ?? url).split("/").pop());
  return fetch(options.media.replace("{name}", encodeURIComponent(name)), {
    credentials: "same-origin",
  });
}

async function post(data) {
  const headers = { "X-CSRF-Token": options.csrf };
  const device = window.localStorage.getItem(DEVICE_ID_KEY);
  const url = device ? `${options.submit}${options.submit.includes("?") ? "&" : "?"}deviceID=${encodeURIComponent(device)}` : options.submit;
  let response;
  try {
    response = await fetch(url, { method: "POST", body: data, headers, credentials: "same-origin", redirect: "manual" });
  } catch {
    throw new Error(options.messageNetwork);
  }
  if (response.type === "opaqueredirect") {
    window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
    throw new Error(options.messageNetwork);
  }
  const body = await response.json().catch(() => ({ message: response.statusText }));
  if (!response.ok) throw new Error(body.message || response.statusText);
  return body;
}

async function send(payload, done) {
  say(options.messageSending, "muted");
  let answer = {};
  try {
    for (const part of payload.data) answer = await post(part);
  } catch (error) {
    say(`${options.messageFailed} ${error.message}`, "error");
    done(Promise.resolve({}));
    return;
  }
  if (options.mode === "edit") {
    window.location.assign(options.done || answer.url || window.location.pathname);
    return;
  }
  if (options.mode === "link") {
    say(options.messageThanks, "flash");
    if (usedKey) {
      window.localStorage.setItem(usedKey, "1");
      app.unmount();
      return;
    }
  } else {
    say(options.messageSent, "flash", answer.url);
  }
  done(Promise.resolve({ next: POST_SUBMIT__NEW_INSTANCE }));
}

function preview(_payload, done) {
  say(options.messagePreview, "flash");
  done(Promise.resolve({}));
}

function editInstance() {
  if (options.mode !== "edit") return undefined;
  const files = JSON.parse(options.files || "[]");
  return {
    resolveInstance: () => options.instance,
    attachmentFileNames: files,
    resolveAttachment: (name) =>
      fetch(options.filesUrl + encodeURIComponent(name), { credentials: "same-origin" }),
  };
}

const props = {
  formXml: options.xform,
  fetchFormAttachment,
  trackDevice: options.mode !== "preview",
  editInstance: editInstance(),
};
if (options.mode === "preview") {
  props.onSubmit = preview;
} else {
  props.submissionMaxSize = Number(options.maxSize);
  props.onSubmitChunked = send;
}

const app = createApp({ render: () => h(OdkWebForm, props) });
app.use(webFormsPlugin);
if (usedKey && window.localStorage.getItem(usedKey)) {
  say(options.messageUsed, "flash");
} else {
  app.mount(host);
}
