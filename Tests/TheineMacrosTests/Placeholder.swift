#if Macros
#endif
