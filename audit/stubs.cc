#include <cstdio>
#include "audit/commands.h"
namespace vouch::audit {
int ReportCommand(const std::vector<std::string>&) { return kExitUsage; }
}
