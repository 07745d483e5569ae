export { Announcer, type AnnouncerProps, type AnnouncerSocket, type AnnouncedSession } from "./announcer";
export { AnnouncerSettings } from "./announcer-settings";
