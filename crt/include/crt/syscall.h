// Raw system calls with 0 to 6 arguments, for any argument types that convert to long.
// The architecture's inline assembly lives in crt/arch/syscall.h.
#pragma once

#include <crt/arch/syscall.h>

#include <type_traits>

namespace crt {

template <typename T>
inline long ToLong(T v) {
  if constexpr (std::is_pointer_v<T> || std::is_null_pointer_v<T>) {
    return reinterpret_cast<long>(v);
  } else {
    return static_cast<long>(v);
  }
}

template <typename... Args>
inline long Syscall(long n, Args... args) {
  static_assert(sizeof...(Args) <= 6, "a system call takes at most six arguments");
  if constexpr (sizeof...(Args) == 0) return arch::Syscall0(n);
  else if constexpr (sizeof...(Args) == 1) return arch::Syscall1(n, ToLong(args)...);
  else if constexpr (sizeof...(Args) == 2) return arch::Syscall2(n, ToLong(args)...);
  else if constexpr (sizeof...(Args) == 3) return arch::Syscall3(n, ToLong(args)...);
  else if constexpr (sizeof...(Args) == 4) return arch::Syscall4(n, ToLong(args)...);
  else if constexpr (sizeof...(Args) == 5) return arch::Syscall5(n, ToLong(args)...);
  else return arch::Syscall6(n, ToLong(args)...);
}

}  // namespace crt
