#ifndef SHOUT_H
#define SHOUT_H
void shout_upper(char *s);
int shout_is_loud(const char *s);
#endif
