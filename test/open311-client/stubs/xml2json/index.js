// Stand-in for the native xml2json (node-expat): unused in JSON mode, see ../sparkxml.
exports.toJson = function () { throw new Error('xml2json stand-in: XML is not parsed in JSON mode'); };
