// Classes (templates/labs/class_*.html), two small behaviours that the pages don't need to work:
//
// 1. The instructor board refreshes itself: every data-refresh-seconds, fetch the board's table
//    (data-board-url, same origin, the session's cookie) and put it in place. It stops when the
//    answer is not the table (the session ended: a redirect to sign-in, a 403 or 404). Without
//    JavaScript the page's Refresh link does the same by hand.
// 2. Start a class: the one POST creates every trainee's account; while it runs, the page says
//    so (the form's data-progress names the status element) and the button can't be pressed twice.
(function () {
  "use strict";

  function refreshBoard(board) {
    var seconds = Math.max(2, Number(board.dataset.refreshSeconds) || 5);

    function schedule() {
      window.setTimeout(refresh, seconds * 1000);
    }

    function refresh() {
      var focused = document.activeElement;
      if (document.hidden || (focused && focused !== document.body && board.contains(focused))) {
        schedule();  // don't pull a focused button from under the keyboard, nor poll a hidden tab
        return;
      }
      fetch(board.dataset.boardUrl, {credentials: "same-origin", redirect: "manual", cache: "no-store"})
        .then(function (response) {
          if (!response.ok || response.type === "opaqueredirect") {
            throw new Error("board refresh stopped: " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          board.innerHTML = html;
          schedule();
        })
        .catch(function () { /* leave the last board in place; the Refresh link still works */ });
    }

    schedule();
  }

  function showProgress(form) {
    var status = document.getElementById(form.dataset.progress);
    form.addEventListener("submit", function () {
      if (status) {
        status.hidden = false;
      }
      window.setTimeout(function () {  // after the browser has taken the submission
        form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = true; });
      }, 0);
    });
  }

  var board = document.getElementById("board");
  if (board && board.dataset.boardUrl && window.fetch) {
    refreshBoard(board);
  }
  document.querySelectorAll("form[data-progress]").forEach(showProgress);
})();
