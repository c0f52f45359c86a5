/* placeholder: the implementation lands with the imsg work. */
#include "imsg.h"
