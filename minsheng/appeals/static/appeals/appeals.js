// appeals pages: small behaviours opted into with classes and data- attributes (no inline scripts).
(function () {
  "use strict";
  // Knowledge base hit: "use this answer" copies it into the first-contact answer.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.use-article");
    if (!button) { return; }
    var answer = document.getElementById("id_answer_now");
    var article = document.getElementById("id_article");
    var kind = document.getElementById("id_kind");
    if (answer) { answer.value = button.getAttribute("data-body"); }
    if (article) { article.value = button.getAttribute("data-article"); }
    if (kind) { kind.value = "inquiry"; }
  });
  // A new district empties the community list until a town is chosen again.
  document.addEventListener("change", function (event) {
    if (event.target.id === "id_district") {
      var community = document.getElementById("id_community");
      if (community) { community.innerHTML = "<option value=\"\">—</option>"; }
    }
  });
})();
