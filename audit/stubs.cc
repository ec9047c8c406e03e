#include <cstdio>
#include "audit/commands.h"
namespace vouch::audit {
int MonitorCommand(const std::vector<std::string>&) { return kExitUsage; }
int ReportCommand(const std::vector<std::string>&) { return kExitUsage; }
}
