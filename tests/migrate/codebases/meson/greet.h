#ifndef GREET_H
#define GREET_H
const char *greet_hello(void);
const char *greet_bye(void);
#endif
