(function () {
  var button = document.getElementById('raw-toggle');
  var raw = document.getElementById('raw');
  var clean = document.getElementById('clean');
  function showRaw(show) {
    raw.hidden = !show;
    clean.hidden = show;
    button.setAttribute('aria-pressed', show ? 'true' : 'false');
    button.textContent = show ? 'Show clean text' : 'Show raw page';
  }
  button.addEventListener('click', function () { showRaw(raw.hidden); });
  // A link to a mention or trigger (#m12, #v3) must land on visible text.
  window.addEventListener('hashchange', function () {
    var target = document.getElementById(location.hash.slice(1));
    if (target && clean.contains(target) && clean.hidden) { showRaw(false); target.scrollIntoView(); }
  });
  // Keep a popover inside the window: open it to the left when it would overflow on the right.
  function place(trigger) {
    var pop = trigger.querySelector('.pop');
    if (!pop) { return; }
    pop.classList.remove('flip');
    if (pop.getBoundingClientRect().right > document.documentElement.clientWidth - 8) { pop.classList.add('flip'); }
  }
  var triggers = document.querySelectorAll('.trig');
  for (var i = 0; i < triggers.length; i++) {
    triggers[i].addEventListener('mouseenter', function () { place(this); });
    triggers[i].addEventListener('focusin', function () { place(this); });
  }
  document.addEventListener('keydown', function (event) {
    var active = document.activeElement;
    if (event.key === 'Escape' && active && active.classList && active.classList.contains('trig')) { active.blur(); }
  });
})();
