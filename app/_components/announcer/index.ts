export { Announcer } from "./announcer";
