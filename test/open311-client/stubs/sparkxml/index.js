// Stand-in for the GitHub-only sparkxml: the test drives the client in JSON mode, which never
// parses XML. Failing loudly keeps an accidental XML path from passing silently.
exports.parseXml = function () { throw new Error('sparkxml stand-in: XML is not parsed in JSON mode'); };
