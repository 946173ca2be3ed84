// Loaded right after the menu, before the page is drawn: on a phone the menu starts closed.
if (window.matchMedia("(max-width: 720px)").matches) document.getElementById("menu").removeAttribute("open");
