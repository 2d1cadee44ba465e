package zoo

// Version is the version of zoo, written into every file zoo exports.
const Version = "0.2.0"
