#pragma once

// Tesseract (through libgomp) starts a team of OpenMP threads inside each line it reads.
// On a small machine those teams spin against each other and against the service; one
// thread per read is faster overall (bench/README.md, "MRZ reading accuracy"). libgomp
// reads OMP_THREAD_LIMIT once, when it is loaded — before main(), as libtesseract links
// it — so setting the variable at run time has no effect on this process.
namespace inereg::app {

// When OMP_THREAD_LIMIT is unset: sets it to 1 and re-executes this program
// (/proc/self/exe, same arguments and pid) so that libgomp starts with it. Returns
// normally when the variable was already set, or when re-executing is impossible (then
// reads run with libgomp's default team size; nothing else changes). Call first thing in
// main(), before any thread exists.
void limit_openmp_threads(char** argv);

}  // namespace inereg::app
