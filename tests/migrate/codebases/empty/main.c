/* A program without tests: discover must say what it looked for. */
#include <stdio.h>

int main(void)
{
    puts("hello");
    return 0;
}
