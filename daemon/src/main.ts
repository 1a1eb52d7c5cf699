// Composition root (being built in issue #2): config -> logger -> ports -> controller -> web -> notify.
console.log(typeof BLUELINE_VERSION === 'string' ? BLUELINE_VERSION : 'dev');
