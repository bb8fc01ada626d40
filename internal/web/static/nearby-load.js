// nearby.js, the open reports around the place, loads once the form knows a place.
(function () {
  'use strict';
  document.addEventListener('citygrid:place', function (e) {
    var box = document.getElementById('nearby');
    if (box && !box.citygridPlace) {
      var js = document.createElement('script');
      js.src = box.dataset.src;
      document.head.appendChild(js);
    }
    if (box) { box.citygridPlace = e.detail; }
  });
})();
