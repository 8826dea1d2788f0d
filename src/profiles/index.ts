/**
 * `tokenward/profiles`: the seed systems as data, each a function from what its admin gives you to
 * `TokenManager` options.
 * @module
 */
export {};
