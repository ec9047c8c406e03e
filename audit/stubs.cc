#include <cstdio>
#include "audit/commands.h"
namespace vouch::audit {
int WitnessCommand(const std::vector<std::string>&) { return kExitUsage; }
int MonitorCommand(const std::vector<std::string>&) { return kExitUsage; }
int ReportCommand(const std::vector<std::string>&) { return kExitUsage; }
}
