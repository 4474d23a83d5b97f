// The submissions table without JavaScript is complete; this only tidies it: empty filters are
// left out of the address (so it stays short enough to share), and choosing in a column's menu
// filters at once.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.addEventListener("submit", function () {
    var owned = form.elements;
    for (var i = 0; i < owned.length; i++) {
      var field = owned[i];
      if (field.name && field.value === "" && /^(has|min|max):/.test(field.name)) {
        field.disabled = true; // a disabled field is not sent
      }
    }
  });
  var menus = document.querySelectorAll("tr.column-filters select");
  for (var j = 0; j < menus.length; j++) {
    menus[j].addEventListener("change", function () {
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
  }
})();
