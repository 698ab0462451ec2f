// The verification page's script (served from inereg itself; the page's CSP allows no
// other). Flow: intro -> card back (live camera or a chosen file) -> each photo read on
// the server at once -> optionally the front -> submit -> final screen -> callback; or
// cancel, at any step before submit.
// Speaks @veriff/incontext-sdk's postMessage protocol to a parent frame.
'use strict';

(() => {
  const data = JSON.parse(document.getElementById('page-data').textContent);
  const t = data.texts;
  // The session token: the one path segment after /v/. It stays in memory only; the
  // address bar drops it once the verification is sent.
  const token = location.pathname.split('/')[2];
  const framed = window.parent !== window;

  // --- @veriff/incontext-sdk ------------------------------------------------------
  // Bare string messages to the parent frame; they carry no data, and only the
  // integration's allowed origins may frame this page (CSP frame-ancestors), so the
  // target origin can stay '*' (the SDK answers the handshake with '*' too).
  function tellParent(message) {
    if (framed) {
      window.parent.postMessage(message, '*');
    }
  }
  window.addEventListener('message', (event) => {
    // VERIFF_RENDER {name, payload}: the SDK's answer to the handshake. Nothing in its
    // payload changes this page, which lays itself out for any frame size.
    if (event.source === window.parent && event.data && event.data.name === 'VERIFF_RENDER') {
      document.documentElement.dataset.incontext = 'true';
    }
  });
  tellParent('VERIFF_HANDSHAKE');
  tellParent('VERIFF_STARTED'); // the session started when this page was served

  // --- Screens ----------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  const action = (name, scope = document) => scope.querySelectorAll(`[data-action="${name}"]`);

  function show(id) {
    for (const screen of document.querySelectorAll('.screen')) {
      screen.hidden = screen.id !== id;
    }
    const heading = $(id).querySelector('h1');
    if (heading) {
      heading.focus();
    }
  }

  function say(element, message) {
    element.textContent = message || '';
  }

  function problem(element, message) {
    element.textContent = message || '';
    element.hidden = !message;
  }

  // --- Camera -----------------------------------------------------------------------
  const video = $('video');
  let stream = null;
  let side = 'back'; // 'back', then 'front' when the page asks for it
  let photo = null; // the Blob under review

  function stopCamera() {
    if (stream) {
      for (const track of stream.getTracks()) {
        track.stop();
      }
      stream = null;
    }
    video.srcObject = null;
  }

  function cameraUnavailable(message) {
    $('viewfinder').hidden = true;
    action('capture')[0].hidden = true;
    say($('camera-status'), message);
    const chooseFile = action('choose-file')[0];
    chooseFile.classList.replace('secondary', 'primary'); // now the way forward
    chooseFile.focus();
  }

  async function startCamera() {
    if (stream) {
      return;
    }
    const capture = action('capture')[0];
    capture.disabled = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      cameraUnavailable(t.camera_unavailable);
      return;
    }
    say($('camera-status'), t.camera_starting);
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: 'environment' }, width: { ideal: 1920 }, height: { ideal: 1080 } },
      });
      video.srcObject = stream;
      await video.play().catch(() => {});
      $('viewfinder').hidden = false;
      capture.hidden = false;
      capture.disabled = false;
      say($('camera-status'), '');
    } catch (error) {
      stream = null;
      const denied = error && (error.name === 'NotAllowedError' || error.name === 'SecurityError');
      if (denied) {
        // The SDK's parent may reload the frame so that the browser asks again.
        tellParent('VERIFF_RELOAD_REQUEST');
      }
      cameraUnavailable(denied ? t.camera_denied : t.camera_unavailable);
    }
  }

  function showCapture() {
    for (const id of ['capture-heading', 'capture-hint']) {
      $(id).textContent = $(id).dataset[side];
    }
    $('viewfinder').dataset.side = side; // the front has no MRZ to mark
    show('screen-capture');
    startCamera();
  }

  function toJpeg(source, width, height) {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d').drawImage(source, 0, 0, width, height);
    return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.92));
  }

  function review(blob) {
    photo = blob;
    const preview = $('preview');
    if (preview.src) {
      URL.revokeObjectURL(preview.src);
    }
    preview.src = URL.createObjectURL(blob);
    say($('review-status'), '');
    problem($('review-problem'), '');
    action('use-photo', $('screen-review'))[0].hidden = false;
    action('retake', $('screen-review'))[0].classList.replace('primary', 'secondary');
    setBusy($('screen-review'), false);
    show('screen-review');
  }

  async function capture() {
    if (!stream || !video.videoWidth) {
      return;
    }
    review(await toJpeg(video, video.videoWidth, video.videoHeight));
  }

  // A chosen file, re-encoded as JPEG (a phone's HEIC included, where the browser
  // decodes it) and at most kMaxSide pixels on its longer side.
  const kMaxSide = 2400;
  async function fileChosen(file) {
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, kMaxSide / Math.max(bitmap.width, bitmap.height));
      const blob = await toJpeg(bitmap, Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
      bitmap.close();
      review(blob);
    } catch {
      say($('camera-status'), t.reason_not_an_image);
    }
  }

  // --- Server -------------------------------------------------------------------------
  function setBusy(screen, busy) {
    screen.setAttribute('aria-busy', busy ? 'true' : 'false');
    for (const button of screen.querySelectorAll('button')) {
      button.disabled = busy;
    }
  }

  async function post(path, body) {
    let response;
    try {
      response = await fetch(`/v/${token}/${path}`, {
        method: 'POST',
        body,
        headers: body ? { 'Content-Type': body.type || 'application/octet-stream' } : {},
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch {
      return { error: 'network' };
    }
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      // The page's refusals name themselves; the transport's (413: body too large) do not.
      return { error: answer.error || (response.status === 413 ? 'too_large' : 'internal') };
    }
    return answer;
  }

  function errorText(code) {
    return t[`error_${code}`] || t.error_internal;
  }

  // A refusal that ends the page's work (the session is gone or closed).
  function fatal(code) {
    return code === 'session_closed' || code === 'link_invalid';
  }

  async function usePhoto() {
    const screen = $('screen-review');
    setBusy(screen, true);
    problem($('review-problem'), '');
    say($('review-status'), t.reading);
    const answer = await post(side, photo);
    setBusy(screen, false);
    say($('review-status'), '');
    if (answer.error) {
      if (fatal(answer.error)) {
        stopped(errorText(answer.error));
        return;
      }
      problem($('review-problem'), errorText(answer.error));
      return;
    }
    if (answer.submitted) {
      // Out of tries: the server sent the verification as it is.
      finished();
      return;
    }
    if (answer.read !== true && answer.stored !== true) {
      const left = answer.triesLeft === 1 ? t.tries_left_one : t.tries_left.replace('{n}', answer.triesLeft);
      problem($('review-problem'), `${t[`reason_${answer.reason}`] || t.reason_mrz_unclear} ${left}`);
      action('use-photo', screen)[0].hidden = true;
      const retake = action('retake', screen)[0];
      retake.classList.replace('secondary', 'primary'); // now the way forward
      retake.focus();
      return;
    }
    if (side === 'back' && data.captureFront) {
      side = 'front';
      showCapture();
      return;
    }
    stopCamera();
    show('screen-submit');
  }

  async function submit() {
    const screen = $('screen-submit');
    setBusy(screen, true);
    problem($('submit-problem'), '');
    say($('submit-status'), t.sending);
    const answer = await post('submit', null);
    setBusy(screen, false);
    say($('submit-status'), '');
    if (answer.error && !fatal(answer.error)) {
      problem($('submit-problem'), errorText(answer.error));
      return;
    }
    if (answer.error) {
      stopped(errorText(answer.error));
      return;
    }
    finished();
  }

  // The final screen: nothing about the result is known here, or ever shown.
  const kFinishDelayMs = 2500;
  function finished() {
    stopCamera();
    // No identifier in the address bar once sent (a shared screen, the history).
    history.replaceState(null, '', '/v/sent');
    tellParent('VERIFF_SUBMITTED');
    show('screen-done');
    if (framed) {
      // The SDK closes its frame on FINISHED: leave the final screen up for a moment.
      setTimeout(() => tellParent('VERIFF_FINISHED'), kFinishDelayMs);
      return;
    }
    if (data.callback) {
      const link = $('done-continue');
      link.href = data.callback;
      link.hidden = false;
      $('done-redirect').hidden = false;
      setTimeout(() => location.assign(data.callback), kFinishDelayMs);
    }
  }

  function stopped(message) {
    stopCamera();
    if (message) {
      $('stopped-heading').textContent = message;
      $('stopped-text').hidden = true;
    }
    show('screen-stopped');
  }

  // The server withdraws the page's photos first: the SDK removes this frame on
  // CANCELED, which would abort a request still on its way. The session stays open (its
  // url starts the page over), so whatever the answer, the person has left.
  async function cancel(event) {
    const screen = event.currentTarget.closest('.screen');
    setBusy(screen, true);
    await post('cancel', null);
    setBusy(screen, false);
    tellParent('VERIFF_CANCELED');
    stopped(null);
  }

  // --- Wiring -------------------------------------------------------------------------
  const handlers = {
    start: showCapture,
    capture,
    retake: showCapture,
    'use-photo': usePhoto,
    'choose-file': () => $('file').click(),
    submit,
    cancel,
  };
  for (const [name, handler] of Object.entries(handlers)) {
    for (const button of action(name)) {
      button.addEventListener('click', handler);
    }
  }
  $('file').addEventListener('change', (event) => {
    const [file] = event.target.files;
    event.target.value = '';
    if (file) {
      fileChosen(file);
    }
  });
  show('screen-intro');
})();
