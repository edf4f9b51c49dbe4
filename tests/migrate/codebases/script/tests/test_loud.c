#include "shout.h"

int main(void)
{
    return shout_is_loud("HEY") && !shout_is_loud("hey") ? 0 : 1;
}
