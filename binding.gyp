# node-gyp build of the native kernel pack (src/engine/native): an N-API addon over Debian's OpenBLAS.
# Built on the machine that runs it (npm install / npm run build:native), so -march=native is safe.
{
  "targets": [
    {
      "target_name": "hdlm_native",
      "sources": ["native/hdlm_native.cc"],
      "include_dirs": ["native", "/usr/include/x86_64-linux-gnu", "/usr/include/openblas"],
      "libraries": ["-lopenblas", "-lmvec", "-lpthread"],
      "cflags!": ["-fno-exceptions", "-O2", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2", "-O0"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-Wall", "-Wno-unused-parameter"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
