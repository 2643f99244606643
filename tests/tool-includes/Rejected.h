// Not built: the header beside Rejected.cpp, which a tool source may include.
#pragma once
