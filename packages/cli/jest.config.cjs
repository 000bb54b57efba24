// The tests run the built binary, which loads the built @lg packages; the stores the tests open in-process to
// seed and check data load the same builds (not the sources, as in the other packages), so both sides always
// agree on the stored layout even while a store's sources are ahead of its build.
module.exports = require("../../jest.base.cjs")(__dirname, { moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" } });
